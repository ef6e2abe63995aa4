"""holdspace: clinical software for ketamine infusion clinics with a therapist present."""
