/* Thread-locals of the weight prefetch streams (base/prefetch.h). */
#include "base/prefetch.h"

_Thread_local enn_pf_stream *enn_pf_current ENN_TLS_IE;
_Thread_local float enn_pf_budget ENN_TLS_IE;
