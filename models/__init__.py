"""The domain: tables and the operations that change them. No Flask in here."""
