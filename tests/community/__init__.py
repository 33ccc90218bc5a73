"""Community: course reviews."""
