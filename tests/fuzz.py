"""What the property-based tests share: how hard they try, and the text they try (issue 7 item 15).

`TYPED` is what a person might put where a number goes: anything at all, numbers of every size
and sign written every way Python reads them, and the look-alikes `int()` or `float()` accept
or choke on (`٣`, `３`, `²`, `1_000`, `nan`, `1e999`).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# No example database on disk (CI starts clean anyway) and no deadline: a loaded 2-core machine
# is slow, not wrong. The app and database a test builds are shared by its examples on purpose.
FUZZ = settings(max_examples=20, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

LOOK_ALIKES = ["٣", "３", "²", "¹⁰", "1_000", " 7 ", "#3", "0x10", "1e3", "1e999", "nan", "-inf", "Infinity", "-0",
               "0", "1", "30", "3650", "3651", "800000", "9223372036854775807", "9223372036854775808",
               "99999999999999999999", "1" * 5000, "0.95", ".5", "1/3", "1/0", "", " ", "\x00", "\u202e5"]
TYPED = st.one_of(
    st.text(max_size=40),
    st.sampled_from(LOOK_ALIKES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
