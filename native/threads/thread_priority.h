// The threads of async jobs (the compute queue and the background pool's
// workers) run below normal priority, so that the JS thread, which mostly
// sleeps, gets a core the moment it wakes: async GEMMs then barely delay the
// event loop. Synchronous calls keep normal priority (the foreground pool).
// QGEMM_COMPUTE_NICE sets the niceness added (default 10; 0 disables):
// measured on 2 cores, p99 event-loop delay under 2048^3 async GEMMs fell
// from ~6 ms (0) to ~1.4 ms (10) (docs: bench/RESULTS.md, bench/event_loop.ts).
#pragma once

namespace qgemm {

// Lowers the calling thread's priority by the configured niceness (Linux).
void lower_compute_thread_priority();

}  // namespace qgemm
