//! bellwether-import
