"""ids layer; see ARCHITECTURE.md."""
