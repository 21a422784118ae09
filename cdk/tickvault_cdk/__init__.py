"""The AWS deployment of tickvault: one stack built from the configuration file,
the ASL files in workflows/ and the task code in tasks/."""
