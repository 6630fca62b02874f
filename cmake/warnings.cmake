# Warning set for all edgenn code. -Wno-sign-conversion: tensor index math
# mixes int64 sizes with size_t offsets everywhere; every narrowing that can
# lose value (-Wconversion, float included) is still an error.
function(enn_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 -Wundef)
  if(ENN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
