"""reason layer; see ARCHITECTURE.md."""
