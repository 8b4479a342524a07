#!/usr/bin/perl
# Drives the EPP registry test double with an independent client: Debian's Net::EPP
# (libnet-epp-perl, CentralNic's Net::EPP::Simple over IO::Socket::SSL). The test passes its
# settings as one JSON object on stdin and reads one JSON object from stdout: the result code of
# every step and what the registry answered, so the assertions live in the TypeScript test.
#
# Input: { host, port, caFile, domain, contact, externalHosts: [a, b], glueHost, glueAddr,
#          ds: {keyTag, alg, digestType, digest},
#          registrars: { countersign: {clID, password, certFile, keyFile}, other: {...} } }
use strict;
use warnings;
use JSON::PP;
use Net::EPP::Simple;
use Net::EPP::Frame::Command::Poll::Req;
use Net::EPP::Frame::Command::Poll::Ack;

my $config = decode_json(do { local $/; <STDIN> });
my %out;

sub code { return defined($Net::EPP::Simple::Code) ? int($Net::EPP::Simple::Code) : undef }

sub finish {
	print encode_json(\%out), "\n";
	exit(0);
}

sub fail {
	my ($step) = @_;
	$out{failed} = { step => $step, code => code(), error => $Net::EPP::Simple::Error };
	finish();
}

# Logs in with the registrar's certificate and password; verifies the server against the
# registry's CA. Every request is preceded by a <hello/> (Net::EPP::Simple's liveness check).
sub session {
	my ($who) = @_;
	my $r = $config->{registrars}{$who};
	my $epp = Net::EPP::Simple->new(
		host => $config->{host}, port => $config->{port},
		user => $r->{clID}, pass => $r->{password},
		key => $r->{keyFile}, cert => $r->{certFile},
		verify => 1, ca_file => $config->{caFile},
		load_config => 0, stdobj => 1, stdext => 1, timeout => 15, debug => 0,
	);
	$out{"login_$who"} = code();
	fail("login_$who") unless defined($epp);
	return $epp;
}

sub response_code {
	my ($epp, $response) = @_;
	return undef unless defined($response);
	return int($epp->_get_response_code($response));
}

my $domain = $config->{domain};
my $epp = session('countersign');
$out{greeting_svID} = $epp->{greeting}->getElementsByTagNameNS('urn:ietf:params:xml:ns:epp-1.0', 'svID')->shift->textContent;

$epp->create_contact({
	id => $config->{contact},
	postalInfo => { int => { name => 'Perl Holder', org => 'Net::EPP check', addr => { street => ['1 Perl Lane'], city => 'Camel Town', cc => 'GB' } } },
	voice => '+44.2071234567', fax => '', email => 'perl@example.net', authInfo => 'contact-Auth1',
});
$out{contact_create} = code();

for my $host (@{ $config->{externalHosts} }) {
	$epp->create_host({ name => $host, addrs => [] });
	push(@{ $out{external_host_create} }, code());
}

$out{check_before} = $epp->check_domain($domain) + 0;
$epp->create_domain({
	name => $domain, period => 1,
	ns => [ @{ $config->{externalHosts} } ],
	registrant => $config->{contact},
	contacts => { admin => $config->{contact}, tech => $config->{contact} },
	authInfo => 'Perl-Auth-1',
});
$out{domain_create} = code();
$out{check_after} = $epp->check_domain($domain) + 0;

$epp->create_host({ name => $config->{glueHost}, addrs => [ { ip => $config->{glueAddr}, version => 'v4' } ] });
$out{glue_host_create} = code();

# Net::EPP::Simple's update_domain always sends <domain:add>, <domain:rem> and <domain:chg>,
# empty when unused: the registry must take that as "nothing to change there".
$epp->update_domain({ name => $domain, add => { ns => [ $config->{glueHost} ] }, rem => { ns => [ $config->{externalHosts}[1] ] } });
$out{ns_update} = code();

my $info = $epp->domain_info($domain);
fail('domain_info') unless defined($info);
$out{info_ns} = $info->{ns};
$out{info_clID} = $info->{clID};
$out{info_status} = $info->{status};
$out{info_hosts} = $info->{hosts};
$out{info_has_authInfo} = defined($info->{authInfo}) ? JSON::PP::true : JSON::PP::false;

# secDNS has no helper in Net::EPP::Simple: a hand-written frame through request().
my $ds = $config->{ds};
my $dsFrame = qq{<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><update>
<domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>$domain</domain:name></domain:update>
</update><extension><secDNS:update xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1"><secDNS:add><secDNS:dsData>
<secDNS:keyTag>$ds->{keyTag}</secDNS:keyTag><secDNS:alg>$ds->{alg}</secDNS:alg><secDNS:digestType>$ds->{digestType}</secDNS:digestType><secDNS:digest>$ds->{digest}</secDNS:digest>
</secDNS:dsData></secDNS:add></secDNS:update></extension><clTRID>PERL-DS-$$</clTRID></command></epp>};
$out{ds_update} = response_code($epp, $epp->request($dsFrame));

$info = $epp->domain_info($domain);
$out{info_ds} = $info->{DS};

# A transfer: other-registrar asks with the authInfo, the sponsor sees the notice and approves.
my $other = session('other');
my $trn = $other->domain_transfer_request($domain, $info->{authInfo}, 1);
$out{transfer_request} = code();
$out{transfer_request_status} = defined($trn) ? $trn->{trStatus} : undef;
$out{transfer_acID} = defined($trn) ? $trn->{acID} : undef;

my $poll = $epp->request(Net::EPP::Frame::Command::Poll::Req->new);
$out{sponsor_poll} = response_code($epp, $poll);
my $msgQ = $poll->getElementsByTagNameNS('urn:ietf:params:xml:ns:epp-1.0', 'msgQ')->shift;
if (defined($msgQ)) {
	$out{sponsor_poll_trStatus} = $poll->getElementsByTagNameNS('urn:ietf:params:xml:ns:domain-1.0', 'trStatus')->shift->textContent;
	my $ack = Net::EPP::Frame::Command::Poll::Ack->new;
	$ack->setMsgID($msgQ->getAttribute('id'));
	$out{sponsor_ack} = response_code($epp, $epp->request($ack));
}

$epp->domain_transfer_approve($domain);
$out{transfer_approve} = code();

my $gained = $other->request(Net::EPP::Frame::Command::Poll::Req->new);
$out{gaining_poll} = response_code($other, $gained);
my $trStatus = $gained->getElementsByTagNameNS('urn:ietf:params:xml:ns:domain-1.0', 'trStatus')->shift;
$out{gaining_poll_trStatus} = defined($trStatus) ? $trStatus->textContent : undef;

my $after = $other->domain_info($domain);
$out{sponsor_after} = defined($after) ? $after->{clID} : undef;
$out{new_sponsor_sees_authInfo} = defined($after) && defined($after->{authInfo}) ? JSON::PP::true : JSON::PP::false;
my $old = $epp->domain_info($domain);
$out{old_sponsor_sees_authInfo} = defined($old) && defined($old->{authInfo}) ? JSON::PP::true : JSON::PP::false;

$epp->update_domain({ name => $domain, add => { status => ['clientHold'] } });
$out{old_sponsor_update} = code();

$other->logout;
$out{logout_other} = code();
$epp->logout;
$out{logout} = code();
finish();
