"""Web plumbing shared by the portal and the back office: no pages live here."""
