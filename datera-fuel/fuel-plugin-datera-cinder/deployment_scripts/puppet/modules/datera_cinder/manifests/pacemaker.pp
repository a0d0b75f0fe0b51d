# Creates the Pacemaker resource that runs cinder-volume on exactly one
# controller (a primitive, never a clone), with a monitor operation and a
# stickiness higher than the preference for the primary controller, so
# the instance stays where it runs after a failover.
#
# primary_node: this node's name in Pacemaker (Fuel's corosync uses the
# FQDN, e.g. node-1.domain.tld).
# cib_file: edit this offline CIB file instead of the live cluster (used to
# stage or test the configuration; Pacemaker's tools honour CIB_file).
class datera_cinder::pacemaker (
  $state_dir = $datera_cinder::params::state_dir,
  $state_owner = 'root',
  $volume_service = $datera_cinder::params::volume_service,
  $resource_class = undef,
  $stickiness = 100,
  $primary_node = $::fqdn,
  $primary_score = 50,
  $monitor_interval = '20s',
  $monitor_timeout = '10s',
  $start_timeout = '60s',
  $stop_timeout = '60s',
  $cib_file = undef,
) inherits datera_cinder::params {
  include datera_cinder

  $resource_id = "p_${volume_service}-${datera_cinder::backend_name}"
  $location_id = "l_${resource_id}-primary"
  $class = $resource_class ? {
    undef   => $datera_cinder::driver['resource_class'],
    default => $resource_class,
  }
  $environment = $cib_file ? {
    undef   => [],
    default => ["CIB_file=${cib_file}"],
  }
  $tool_path = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']

  file { $state_dir:
    ensure => directory,
    owner  => $state_owner,
    mode   => '0700',
  }

  file { "${state_dir}/${resource_id}.xml":
    ensure  => file,
    owner   => $state_owner,
    mode    => '0600',
    content => template('datera_cinder/primitive.xml.erb'),
  }

  exec { "create ${resource_id}":
    command     => "cibadmin --create --scope resources --xml-file '${state_dir}/${resource_id}.xml'",
    unless      => "cibadmin --query --xpath \"//primitive[@id='${resource_id}']\"",
    environment => $environment,
    path        => $tool_path,
    require     => File["${state_dir}/${resource_id}.xml"],
  }

  # Start on the primary controller first (the other controllers are not
  # configured yet); the stickiness outweighs this preference afterwards.
  $location_xml = "<rsc_location id='${location_id}' rsc='${resource_id}' node='${primary_node}' score='${primary_score}'/>"
  exec { "create ${location_id}":
    command     => "cibadmin --create --scope constraints --xml-text \"${location_xml}\"",
    unless      => "cibadmin --query --xpath \"//rsc_location[@id='${location_id}']\"",
    environment => $environment,
    path        => $tool_path,
    require     => Exec["create ${resource_id}"],
  }
}
