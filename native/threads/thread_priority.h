// Compute threads (the pool's workers and the compute queue) run slightly
// below normal priority, so that the JS thread, which mostly sleeps, gets a
// core the moment it wakes: async GEMMs then barely delay the event loop.
// QGEMM_COMPUTE_NICE sets the niceness added (default 10; 0 disables):
// measured here, p99 event-loop delay under 2048^3 async GEMMs fell from
// ~6 ms (0) to ~1.4 ms (10) on 2 cores, at no cost in throughput.
#pragma once

namespace qgemm {

// Lowers the calling thread's priority by the configured niceness (Linux).
void lower_compute_thread_priority();

}  // namespace qgemm
