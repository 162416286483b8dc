"""The shell: sign-in, password change, lock screen, the role's workspaces, status bar, notifications."""
