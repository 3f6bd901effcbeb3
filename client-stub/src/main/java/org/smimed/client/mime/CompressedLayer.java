package org.smimed.client.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.bouncycastle.cms.CMSCompressedDataParser;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.jcajce.ZlibExpanderProvider;
import org.bouncycastle.util.io.StreamOverflowException;

/**
 * Opens an application/pkcs7-mime; smime-type=compressed-data entity (RFC 3274, RFC 8551
 * section 3.6): CMS CompressedData with ZLIB, which senders put inside a signature or an
 * envelope. No key is involved, so the client does it alone.
 *
 * <p>Guarantee: at most {@code limit} bytes are inflated; a message that would inflate further
 * (a compression bomb) is refused, never held.
 */
final class CompressedLayer {
  private CompressedLayer() {}

  /** Writes the decompressed entity of {@code entity} (headers, then the CMS) to {@code out}. */
  static void open(byte[] entity, long limit, OutputStream out)
      throws SmimeOperationException, IOException {
    InputStream cms = cms(entity);
    try {
      CMSCompressedDataParser parser = new CMSCompressedDataParser(cms);
      // The limit is Bouncy Castle's own: its stream throws once more would come out.
      InputStream content = parser.getContent(new ZlibExpanderProvider(limit))
          .getContentStream();
      content.transferTo(out);
    } catch (CMSException | IllegalArgumentException | ClassCastException e) {
      throw new SmimeOperationException("malformed compressed-data: " + e.getMessage(), e);
    } catch (StreamOverflowException e) {
      throw new SmimeOperationException("compressed-data inflates to more than " + limit
          + " bytes; refused", e);
    } catch (IOException e) {
      throw new SmimeOperationException("malformed compressed-data: " + e.getMessage(), e);
    }
  }

  private static InputStream cms(byte[] entity) throws SmimeOperationException {
    HeaderBlock headers = HeaderBlock.parse(entity);
    return ContentTypes.decoded(headers, new ByteArrayInputStream(entity, headers.bodyOffset(),
        entity.length - headers.bodyOffset()));
  }
}
