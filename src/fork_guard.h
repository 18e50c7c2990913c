// Fork safety (reader guarantee 10). A handle belongs to the process that opened it: after
// fork() the child has a copy of the handle's memory but not its watcher thread, and shares
// the parent's sockets and eventfd. The child may read the snapshot it inherited and close the
// handle, which then frees memory only: it never joins a thread that does not exist there and
// never writes to the eventfd (that would stop the parent's watcher).
//
// Locks: pthread_atfork makes fork() wait until no thread is inside a handle's critical
// sections, so the child never inherits a mutex held by a thread it does not have.
#pragma once

#include <sys/types.h>

namespace omega {

class Reader;

// Called by Reader's constructor and destructor.
void register_for_fork(Reader* reader);
void unregister_for_fork(Reader* reader);

}  // namespace omega
