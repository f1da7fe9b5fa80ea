"""Every file format, below the model: the one table reader and the suffix → format registry."""
