# The architecture's description for the build: config/arch/<ARCHIPEL_ARCH>.conf (docs/porting.md).
# Included by CMakeLists.txt before project(), so that the toolchain file named there is the build's.
#
# archipel_arch_value(ARCH KEY OUT): OUT = the value of KEY= in config/arch/ARCH.conf (empty when the
# key is absent or empty). The file's format is tools/qemu_args.py's: KEY=VALUE lines, '#' comments.

get_filename_component(ARCHIPEL_CONFIG_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

function(archipel_arch_value arch key out)
  set(conf ${ARCHIPEL_CONFIG_ROOT}/config/arch/${arch}.conf)
  if(NOT EXISTS ${conf})
    message(FATAL_ERROR "no architecture '${arch}': ${conf} does not exist")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${conf})
  file(STRINGS ${conf} lines REGEX "^${key}=")
  set(value "")
  if(lines)
    list(GET lines 0 line)
    string(REGEX REPLACE "^${key}=" "" value "${line}")
    string(STRIP "${value}" value)
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# archipel_arch_load(ARCH): ARCHIPEL_HAL (hal/<HAL>, boot/<HAL>), ARCHIPEL_QEMU_USER and
# ARCHIPEL_KERNEL_CMAKE (absolute) of ARCH, for the rest of the build.
macro(archipel_arch_load arch)
  archipel_arch_value(${arch} HAL ARCHIPEL_HAL)
  archipel_arch_value(${arch} QEMU_USER ARCHIPEL_QEMU_USER)
  archipel_arch_value(${arch} KERNEL_CMAKE ARCHIPEL_KERNEL_CMAKE)
  if(NOT ARCHIPEL_HAL OR NOT ARCHIPEL_KERNEL_CMAKE)
    message(FATAL_ERROR "config/arch/${arch}.conf: HAL= and KERNEL_CMAKE= are required")
  endif()
  set(ARCHIPEL_KERNEL_CMAKE ${ARCHIPEL_CONFIG_ROOT}/${ARCHIPEL_KERNEL_CMAKE})
endmacro()
