"""The tutorial: the outline's experiments as declarations, the runner that trains and judges them, the
verdict rule, the profiles, and the report (page and notebook) built from their results."""
