"""Staff accounts: invitations, sign-in, second factor, roles and permissions."""
