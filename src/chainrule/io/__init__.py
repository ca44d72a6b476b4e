"""Files: network files (TOML/JSON), .npz parameter files, atomic writes."""
