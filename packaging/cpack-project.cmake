# cpack-project.cmake: read by cpack for each generator it runs (CPACK_PROJECT_CONFIG_FILE).
#
# A Debian package must install under /usr: keepalived.conf (ha-genconf's ha.hooks_dir
# default) runs the hooks from /usr/libexec/ha-slurm, and dpkg owns nothing under /usr/local.
# CMake's default prefix is /usr/local, so a build configured without
# -DCMAKE_INSTALL_PREFIX=/usr would otherwise give a package of /usr/local paths.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR
    "ha-slurm: a Debian package installs under /usr, but this build was configured for "
    "\"${CPACK_PACKAGING_INSTALL_PREFIX}\": configure it with -DCMAKE_INSTALL_PREFIX=/usr "
    "(cmake -S SOURCE -B BUILD -DCMAKE_INSTALL_PREFIX=/usr), build, then run cpack -G DEB again")
endif()
