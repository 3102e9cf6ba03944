//! bellwether-store
