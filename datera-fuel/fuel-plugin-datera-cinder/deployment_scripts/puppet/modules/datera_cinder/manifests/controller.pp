# Installs cinder-volume and writes the Datera backend into cinder.conf.
# Runs on every controller; all of them get the same backend_host so the
# one instance Pacemaker runs manages every Datera volume.
#
# package_provider / service_provider: left undef on a real node; a test
# sandbox points them at providers that do not touch the host.
class datera_cinder::controller (
  $cinder_conf_path = $datera_cinder::params::cinder_conf_path,
  $cinder_conf_owner = $datera_cinder::params::cinder_conf_owner,
  $cinder_conf_group = $datera_cinder::params::cinder_conf_group,
  $packages = $datera_cinder::params::packages,
  $volume_service = $datera_cinder::params::volume_service,
  $package_provider = undef,
  $service_provider = undef,
) inherits datera_cinder::params {
  include datera_cinder

  $section = $datera_cinder::backend_name
  $driver = $datera_cinder::driver
  $chap_value = $datera_cinder::use_chap ? {
    true    => 'True',
    default => 'False',
  }

  package { $packages:
    ensure   => installed,
    provider => $package_provider,
  }

  # cinder.conf holds san_password: root and the cinder group only.
  file { $cinder_conf_path:
    ensure  => file,
    owner   => $cinder_conf_owner,
    group   => $cinder_conf_group,
    mode    => '0640',
    require => Package[$packages],
  }

  $defaults = {
    'ensure'  => present,
    'path'    => $cinder_conf_path,
    'section' => $section,
    'require' => File[$cinder_conf_path],
    'tag'     => 'datera-cinder',
  }
  $options = {
    "${section} volume_driver"       => {
      'setting' => 'volume_driver', 'value' => $driver['driver'] },
    "${section} volume_backend_name" => {
      'setting' => 'volume_backend_name', 'value' => $section },
    "${section} backend_host"        => {
      'setting' => 'backend_host', 'value' => $datera_cinder::cinder_host },
    "${section} san_ip"              => {
      'setting' => 'san_ip', 'value' => $datera_cinder::mvip },
    "${section} san_login"           => {
      'setting' => 'san_login', 'value' => $datera_cinder::login },
    "${section} replicas"            => {
      'setting' => $driver['replica_option'],
      'value'   => $datera_cinder::replica_value },
    "${section} use_chap_auth"       => {
      'setting' => 'use_chap_auth',
      'value'   => $chap_value },
  }
  create_resources('ini_setting', $options, $defaults)

  # show_diff => false keeps the password out of Puppet's logs and reports.
  ini_setting { "${section} san_password":
    ensure    => present,
    path      => $cinder_conf_path,
    section   => $section,
    setting   => 'san_password',
    value     => $datera_cinder::password,
    show_diff => false,
    require   => File[$cinder_conf_path],
    tag       => 'datera-cinder',
  }

  if $driver['tenants'] {
    $tenant_ensure = $datera_cinder::tenant_id ? {
      undef   => absent,
      default => present,
    }
    ini_setting { "${section} datera_tenant_id":
      ensure  => $tenant_ensure,
      path    => $cinder_conf_path,
      section => $section,
      setting => 'datera_tenant_id',
      value   => $datera_cinder::tenant_id,
      require => File[$cinder_conf_path],
      tag     => 'datera-cinder',
    }
  }

  if $datera_cinder::multibackend {
    # Add this backend to the list, keeping every backend already there.
    ini_subsetting { 'enabled_backends datera':
      ensure               => present,
      path                 => $cinder_conf_path,
      section              => 'DEFAULT',
      setting              => 'enabled_backends',
      subsetting           => $section,
      subsetting_separator => ',',
      require              => File[$cinder_conf_path],
      tag                  => 'datera-cinder',
    }
  } else {
    ini_setting { 'enabled_backends datera':
      ensure  => present,
      path    => $cinder_conf_path,
      section => 'DEFAULT',
      setting => 'enabled_backends',
      value   => $section,
      require => File[$cinder_conf_path],
      tag     => 'datera-cinder',
    }
  }

  # Pacemaker starts and stops cinder-volume; the init system must not
  # start it at boot. An instance the package started is seen by
  # Pacemaker's probe, which then keeps only one running.
  service { $volume_service:
    enable   => false,
    provider => $service_provider,
    require  => Package[$packages],
  }
}
