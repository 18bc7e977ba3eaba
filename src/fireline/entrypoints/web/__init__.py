"""Web pages (HTML): for now the sign-in and sign-out forms that start and end sessions."""
