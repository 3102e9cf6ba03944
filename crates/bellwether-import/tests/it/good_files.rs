//! Good exports of several shapes, with their parsed values asserted.
