"""The main job: the ATS admin's story, played on the embedded local stack."""
