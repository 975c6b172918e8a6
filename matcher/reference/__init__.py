"""Reference data read from data/: divisions, occupations, skills, profiles, screening."""
