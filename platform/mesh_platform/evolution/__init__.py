"""How contracts evolve without breaking their consumers.

``rules`` holds the kinds of change and which break a consumer; ``diff`` classifies the
changes between two versions of the contracts (in their ODCS form); ``reads`` finds who
reads which column of which product; ``snapshot`` takes both of a revision;
``revisions`` extracts a git revision; ``gate`` judges each change.
"""
