#!/usr/bin/perl
# keys.pl - the keys the programs know, read from their sources, for the documentation tests.
#
#   keys.pl cfg common/cfg.c        one line per ha-slurm.conf key:
#                                   SECTION KEY KIND DEFAULT|- required|optional
#   keys.pl yaml genconf/*.c        one line per key name of ha-genconf's schema (every
#                                   "static const char *const ...keys...[] = {...}" table of
#                                   the files, in their order)
use strict;
use warnings;

my ($what, @files) = @ARGV;
die "usage: keys.pl cfg|yaml FILE...\n" unless @files;
my $text = '';
for my $name (@files) {
    open(my $fh, '<', $name) or die "keys.pl: Failed to open '$name': $!\n";
    $text .= do { local $/; <$fh> };
    close($fh);
}
my $file = join(' ', @files);

if ($what eq 'cfg') {
    $text =~ /static const struct key keys\[\] = \{(.*?)\n\};/s
        or die "keys.pl: no key table in $file\n";
    my $table = $1;
    my $n = 0;
    while ($table =~ /\{"(\w+)",\s*"(\w+)",\s*KIND_(\w+),\s*F\([^)]*\),\s*(NULL|"[^"]*"),\s*(true|false)\}/g) {
        my ($section, $key, $kind, $default, $required) = ($1, $2, lc $3, $4, $5);
        $default = $default eq 'NULL' ? '-' : substr($default, 1, -1);
        print "$section $key $kind $default ", ($required eq 'true' ? 'required' : 'optional'), "\n";
        $n++;
    }
    # Every entry of the table must have been understood.
    my $entries = () = $table =~ /\{"/g;
    die "keys.pl: understood $n of $entries entries of the key table\n" if $n != $entries || !$n;
} elsif ($what eq 'yaml') {
    my %seen;
    while ($text =~ /static const char \*const \w*keys\w*\[\] = \{(.*?)\};/sg) {
        for my $k ($1 =~ /"(\w+)"/g) {
            print "$k\n" unless $seen{$k}++;
        }
    }
    die "keys.pl: no key tables in $file\n" unless %seen;
} else {
    die "usage: keys.pl cfg|yaml FILE...\n";
}
