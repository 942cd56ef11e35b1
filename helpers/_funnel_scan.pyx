# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The plain ordered funnel as one pass over step events already in (member, time) order.

Compiled by ``make setup`` (Cython); ``helpers.funnel`` uses it through ``method="scan"`` and falls
back to its list route where the compiled module is missing. Same recursion as ``funnel._scan_lists``:
per member, ``a[j]`` is the latest chain start of any chain ending at a step-``j`` event at an earlier
time stamp; a step-``k`` event completes a chain when ``a[k-1]`` is set and within the window.
Events at one time stamp are handled together, later steps first, so none sees another's update.
"""
import numpy as np

from libc.stdint cimport int8_t, int64_t, uint64_t

cdef int64_t NONE = -(2 ** 62)
NONE_US = NONE  # the value of an unset time, for callers


cdef inline void _step(int k, int64_t t, int64_t* a, int64_t* seconds, int64_t* entered,
                       int64_t window_us) noexcept nogil:
    """A step-``k`` event at time ``t``: a chain start (k = 0) or a chain extended from step k - 1."""
    cdef int64_t p
    if k == 0:
        if entered[0] == NONE:
            entered[0] = t
        a[0] = t
        return
    p = a[k - 1]
    if p != NONE:
        a[k] = p  # the latest start; only completions test the window (a later step only ages it)
        if seconds[k] < 0 and (window_us < 0 or t - p <= window_us):
            seconds[k] = t - p


def scan(const uint64_t[::1] member, const int64_t[::1] us, const int8_t[::1] code,
         const int8_t[:, ::1] steps_of, int n, int64_t window_us):
    """``(starts, entered, seconds)`` for rows sorted by ``member`` (a key per member, e.g. a hash),
    then ``us`` (microseconds); ``None`` when a member's times decrease (rows not in that order).

    ``code[j]`` numbers row ``j``'s node; ``steps_of[c]`` lists the steps node ``c`` stands for, in
    descending order, padded with -1. ``window_us < 0``: no window. ``starts``: the first row of each
    run of equal keys (one run per member when the rows are grouped by member); ``entered``: the run's first
    step-1 time (``NONE`` = none); ``seconds[i, k]``: microseconds from chain start to the earliest
    completion of step ``k`` (-1: not reached; column 0 unused)."""
    cdef Py_ssize_t N = us.shape[0], D = steps_of.shape[1]
    cdef Py_ssize_t i, j, g, e, q, runs = 0, end
    cdef int k, s
    cdef int64_t t
    cdef bint ordered = True
    with nogil:  # the GIL is released for the passes, so threads can scan separate members at once
        for j in range(N):
            if j == 0 or member[j] != member[j - 1]:
                runs += 1
            elif us[j] < us[j - 1]:
                ordered = False
                break
    if not ordered:
        return None
    starts_a = np.empty(runs, dtype=np.int64)
    entered_a = np.full(runs, NONE, dtype=np.int64)
    seconds_a = np.full((runs, n), -1, dtype=np.int64)
    a_a = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] starts = starts_a
    cdef int64_t[::1] entered = entered_a
    cdef int64_t[:, ::1] seconds = seconds_a
    cdef int64_t[::1] a = a_a
    with nogil:
        j = 0
        i = -1
        while j < N:
            i += 1
            starts[i] = j
            for k in range(n):
                a[k] = NONE
            end = j + 1
            while end < N and member[end] == member[j]:
                end += 1
            while j < end:
                t = us[j]
                g = j + 1
                while g < end and us[g] == t:
                    g += 1
                if g == j + 1:  # one event at this time stamp (the usual case): its steps, later first
                    for q in range(D):
                        k = steps_of[code[j], q]
                        if k < 0:
                            break
                        _step(k, t, &a[0], &seconds[i, 0], &entered[i], window_us)
                else:  # several: later steps first, so none sees another's update at this time stamp
                    for s in range(n - 1, -1, -1):
                        for e in range(j, g):
                            for q in range(D):
                                k = steps_of[code[e], q]
                                if k == s:
                                    _step(k, t, &a[0], &seconds[i, 0], &entered[i], window_us)
                                if k <= s:
                                    break
                j = g
    return starts_a, entered_a, seconds_a
