"""kam: key-account (大客户) management add-in for Excel. `addin.core` is the pure domain."""

__version__ = "0.1.0"
