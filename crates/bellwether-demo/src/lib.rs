//! bellwether-demo
