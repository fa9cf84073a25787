/* zs_udpstamp: when a datagram arrived, by the kernel's clock.  A load
   generator on the same cores as the box waits for a core too; timing an
   answer when the generator gets round to reading it would count that wait
   as the box's latency.  The kernel stamps each datagram as it queues it
   (SO_TIMESTAMPNS, CLOCK_REALTIME); this turns the stamp into a
   CLOCK_MONOTONIC time, the clock the tools time sends with. */
#ifndef ZS_UDPSTAMP_H
#define ZS_UDPSTAMP_H

#include <stddef.h>
#include <sys/types.h>

/* zs_udpstamp_on asks the kernel to stamp fd's datagrams: 0, or -1. */
int zs_udpstamp_on(int fd);

/* zs_udpstamp_recv reads one datagram (MSG_DONTWAIT) into buf: its length
   (as recv), and in *at when it arrived, in CLOCK_MONOTONIC seconds (the
   time of the call when the datagram has no stamp). */
ssize_t zs_udpstamp_recv(int fd, void *buf, size_t cap, double *at);

#endif
