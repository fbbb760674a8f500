"""One module per page kind, each with its facts (numbers, no language) and its page (words, tables and
charts in the reader's language); ``ranking`` is the section category and ISO pages share. The notebooks
call them through ``citybank.views``."""
