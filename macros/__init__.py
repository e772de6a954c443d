"""VBA modules shipped with kam (kam.bas: the manager's buttons), read by `kam excel build`."""

from pathlib import Path

BAS = Path(__file__).with_name("kam.bas")
