package org.smimed.daemon.cms;

import org.smimed.daemon.keys.KeyVersion;

/** A finished signature: DER ContentInfo of type SignedData, and who made it with what hash. */
public record SignedMessage(byte[] signedData, KeyVersion key, DigestAlgorithm digest) {}
