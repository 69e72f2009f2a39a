"""People: facilities, invitations, staff and technicians, roles and jobs."""
