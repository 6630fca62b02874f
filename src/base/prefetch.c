/* Thread-locals of the weight prefetch streams (base/prefetch.h). */
#include "base/prefetch.h"

_Thread_local enn_pf_stream *enn_pf_current;
_Thread_local float enn_pf_budget;
_Atomic int enn_pf_any;
