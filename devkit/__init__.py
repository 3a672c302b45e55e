"""Development kit shared by the demo, the tests and the benches (never shipped): a test CA,
SoftHSM tokens, the server as a subprocess, software signers, sample correspondence."""
