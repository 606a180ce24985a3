"""The ``yuliao`` subcommands, one module per area; ``crawler.cli`` registers them."""
