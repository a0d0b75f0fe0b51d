# Resolves the plugin's settings (the hiera hash Fuel writes for the
# plugin) and the driver table entry for the target Cinder release.
class datera_cinder (
  $plugin_name = 'fuel-plugin-datera-cinder',
) inherits datera_cinder::params {
  $settings = hiera($plugin_name)
  $fuel_version = hiera('fuel_version', '')

  $requested_release = $settings['datera_cinder_release'] ? {
    undef   => 'auto',
    ''      => 'auto',
    default => $settings['datera_cinder_release'],
  }
  if $requested_release == 'auto' {
    $release = $datera_cinder::params::fuel_releases[$fuel_version]
    if $release == undef {
      fail("datera_cinder_release 'auto': Fuel release '${fuel_version}' is not 7.0, 8.0 or 9.0; choose the release")
    }
  } else {
    $release = $requested_release
  }
  $driver = $datera_cinder::params::drivers[$release]
  if $driver == undef {
    fail("datera_cinder_release '${release}' is not in the driver table (kilo, liberty, mitaka, current)")
  }

  $mvip = $settings['datera_mvip']
  $login = $settings['datera_admin_login']
  $password = $settings['datera_admin_password']
  if $mvip == undef or $mvip == '' {
    fail('datera_mvip (Datera management VIP) is empty')
  }
  if $login == undef or $login == '' {
    fail('datera_admin_login (Datera admin login) is empty')
  }
  if $password == undef or $password == '' {
    fail('datera_admin_password (Datera admin password) is empty')
  }
  $replica_count = $settings['datera_replica_count']
  # Fuel passes text, hiera may pass a number: match its string form.
  if "${replica_count}" !~ /^[1-5]$/ { # lint:ignore:only_variable_string
    fail("datera_replica_count must be a number from 1 to 5, not '${replica_count}'")
  }
  $backend_name = $settings['datera_backend_name'] ? {
    undef   => 'datera',
    ''      => 'datera',
    default => $settings['datera_backend_name'],
  }
  if $backend_name !~ /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/ {
    fail("datera_backend_name '${backend_name}' is not a valid section name")
  }
  $cinder_host = $settings['datera_cinder_host'] ? {
    undef   => 'datera-cinder',
    ''      => 'datera-cinder',
    default => $settings['datera_cinder_host'],
  }
  $multibackend = $settings['multibackend'] ? {
    true    => true,
    'true'  => true,
    default => false,
  }
  $use_chap = $settings['datera_use_chap'] ? {
    true    => true,
    'true'  => true,
    default => false,
  }
  $tenant_mode = $settings['datera_tenant_mode'] ? {
    undef   => 'none',
    ''      => 'none',
    default => $settings['datera_tenant_mode'],
  }
  case $tenant_mode {
    'none': { $tenant_id = undef }
    'map': { $tenant_id = 'Map' }
    'fixed': {
      $tenant_id = $settings['datera_tenant_id']
      if "${tenant_id}" !~ /^[a-zA-Z0-9_-]{1,64}$/ { # lint:ignore:only_variable_string
        fail("datera_tenant_id '${tenant_id}' is not a valid tenant name")
      }
    }
    default: { fail("datera_tenant_mode '${tenant_mode}' is not one of none, map, fixed") }
  }
  if $tenant_id != undef and !$driver['tenants'] {
    fail("datera_tenant_mode '${tenant_mode}' needs a Datera driver with tenants (current), not ${release}")
  }

  $replica_value = "${driver['replica_prefix']}${replica_count}"
}
