"""Discord glue: the client, the command tree and its error table, replies, shared items, i18n."""
