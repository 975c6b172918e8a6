/*
 * Preloaded before libfaketime for the test run with the clock moved ahead (make test).
 *
 * That run moves only the calendar: FAKETIME_DONT_FAKE_MONOTONIC=1 leaves the monotonic
 * clock real, since with it faked every timed wait on a lock or condition (Python's
 * Event.wait, APScheduler's sleep between jobs) never returns. libfaketime 0.9.10 still
 * shifts the deadline of an absolute monotonic clock_nanosleep, the call behind Python's
 * time.sleep, which then fails with EINVAL. Here such a sleep goes straight to the kernel,
 * whose monotonic clock is the one the caller read; every other sleep is libfaketime's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
                    struct timespec *remain) {
    if (clock_id == CLOCK_MONOTONIC) {
        return syscall(SYS_clock_nanosleep, clock_id, flags, request, remain) == 0 ? 0 : errno;
    }
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (next == NULL) {
        next = dlsym(RTLD_NEXT, "clock_nanosleep");
    }
    return next(clock_id, flags, request, remain);
}
