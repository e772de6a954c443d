"""SPEC §4 rules, one function per code, in modules named for what they guard; `addin.core.validation` runs them."""
