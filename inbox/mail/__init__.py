"""Where messages come from (imap, files) and how they are read (parse, clean, headers)."""
