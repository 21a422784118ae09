"""The local stack: moto as the emulator, the task code run in-process, a scheduler."""
