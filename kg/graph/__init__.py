"""graph layer; see ARCHITECTURE.md."""
