"""Settings modules: ``base`` is what runs (configured from the environment); ``test`` is the suite's."""
