"""sparql layer; see ARCHITECTURE.md."""
