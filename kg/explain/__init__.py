"""explain layer; see ARCHITECTURE.md."""
