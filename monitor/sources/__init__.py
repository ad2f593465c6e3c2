"""Where texts come from: live HTTP fetches and the Wayback Machine."""
