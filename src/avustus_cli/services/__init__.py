"""One module per stage of the round: fetch from the store, call the domain, write, commit.

Services never import each other."""
