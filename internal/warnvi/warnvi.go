// Package warnvi holds the Vietnamese sentence of each warning code the
// verifier writes (verifier.WarningCodes, verifier.WarnCheckFailed and
// verifier.WarnOther): one table that the verification page (api/web
// hands it to app.js as WARN_VI), kyso verify (through api/web.WarningVI)
// and the printed report (verifier/printreport) all say, so that a
// citizen reads the same words on each. {name} in a sentence is a
// parameter of the warning.
//
// It is data only and imports no kyso package.
package warnvi

import "encoding/json"

// Sentence returns the Vietnamese sentence of code, and whether there is
// one.
func Sentence(code string) (string, bool) {
	s, ok := sentences[code]
	return s, ok
}

// JSON is the table as a JSON object, code → sentence, for the page.
func JSON() []byte {
	b, err := json.Marshal(sentences)
	if err != nil {
		panic("warnvi: " + err.Error()) // a map of strings always marshals
	}
	return b
}

var sentences = map[string]string{
	"check_failed":                      "Một kiểm tra khác cũng không đạt: {sub}",
	"other":                             "Có một lưu ý kỹ thuật khác về chữ ký này.",
	"document_unsigned":                 "Tài liệu không có chữ ký số nào.",
	"xml_unsigned":                      "Tài liệu XML không có chữ ký số nào.",
	"document_encrypted":                "Tài liệu được mã hóa; chữ ký của tài liệu mã hóa có thể không được đọc đúng.",
	"xref_repaired":                     "Bảng tham chiếu của tệp bị hỏng; tệp đã được đọc bằng cách quét tìm các đối tượng, như các phần mềm khác vẫn làm.",
	"fields_too_deep":                   "Các ô biểu mẫu lồng sâu hơn {limit} cấp không được đọc.",
	"fields_too_many":                   "Tài liệu có hơn {limit} ô biểu mẫu: phần còn lại không được đọc.",
	"field_shared_signature":            "Ô \"{field}\" dùng chung dữ liệu chữ ký với một ô khác.",
	"dss_too_many":                      "Kho dữ liệu kiểm tra (DSS) có hơn {limit} mục cùng loại: phần còn lại không được đọc.",
	"dss_item_unreadable":               "Một mục trong kho dữ liệu kiểm tra (DSS) không đọc được.",
	"dss_bad_certificates":              "{count} chứng thư trong kho dữ liệu kiểm tra (DSS) không đọc được.",
	"xml_duplicate_ids":                 "Nhiều phần tử có cùng mã định danh ({ids}): chữ ký tham chiếu đến chúng bị từ chối.",
	"einvoice_not_covered":              "Dữ liệu hóa đơn {path} không được một chữ ký hợp lệ nào bảo vệ.",
	"time_not_proven":                   "Không có dấu thời gian chứng minh chữ ký được tạo khi nào.",
	"claimed_time_not_proven":           "Thời điểm ký {time} do người ký tự khai, không có dấu thời gian chứng minh.",
	"claimed_time_after_timestamp":      "Thời điểm ký được khai ({time}) muộn hơn dấu thời gian ({timestamp_time}).",
	"signing_time_unparsable":           "Thuộc tính thời điểm ký không đọc được.",
	"pades_signing_time_attribute":      "Chữ ký PAdES có thuộc tính thời điểm ký, điều mà chuẩn ETSI EN 319 142-1 (5.2.1) không cho phép.",
	"pades_no_signing_certificate":      "Chữ ký PAdES thiếu thuộc tính chứng thư người ký (ETSI EN 319 142-1, 5.2.2).",
	"partial_revision":                  "Chữ ký không bao trọn một phiên bản của tệp: vùng ký kết thúc ở byte {offset}, không ở cuối một lần cập nhật.",
	"docmdp_not_in_perms":               "Chữ ký có tham chiếu chứng nhận (DocMDP) nhưng danh mục quyền của tài liệu không ghi nhận nó.",
	"certification_not_first":           "Một chữ ký chứng nhận không phải là chữ ký đầu tiên của tài liệu.",
	"icp_brasil_policy_not_checked":     "Dạng chữ ký {sub_filter} (ICP-Brasil) được kiểm tra như chữ ký CMS rời; chính sách chữ ký ICP-Brasil không được kiểm tra.",
	"digest_as_signature_algorithm":     "Thuật toán băm được ghi ở vị trí thuật toán ký.",
	"digest_not_listed":                 "Thuật toán băm của người ký không có trong danh sách thuật toán băm của khối chữ ký.",
	"cms_bad_certificates":              "{count} chứng thư trong khối chữ ký không đọc được.",
	"signer_ambiguous":                  "{count} chứng thư cùng khớp với định danh người ký.",
	"signed_attributes_not_der":         "Các thuộc tính được ký không được mã hóa DER như RFC 5652 (5.3) yêu cầu.",
	"first_certificate_not_signer":      "Chứng thư đầu tiên trong khối chữ ký không phải của người ký; người ký được xác định theo định danh trong chữ ký.",
	"appearance_of_later_signature":     "Một hình hiển thị vẽ đè lên nội dung đã ký được chấp nhận vì đó là hình của chữ ký \"{field}\", ký sau và hợp lệ.",
	"rsa_key_short":                     "Khóa RSA của người ký chỉ dài {bits} bit, ít hơn 2048.",
	"expired_after_signing":             "Chứng thư của người ký hết hạn ngày {expiry}, sau khi chữ ký được tạo (có bằng chứng lúc {proven_time}).",
	"revoked_after_signing":             "Chứng thư {certificate} bị thu hồi ngày {revocation_time}, sau khi chữ ký được tạo (có bằng chứng lúc {proven_time}).",
	"revocation_not_checked":            "Chưa kiểm tra tình trạng thu hồi của {certificates}: tài liệu không kèm phản hồi OCSP hay danh sách thu hồi (CRL) nào về chứng thư này, và việc tra cứu trực tuyến đang tắt.",
	"revocation_not_checked_online":     "Chưa kiểm tra được tình trạng thu hồi của {certificates}: không có phản hồi OCSP hay danh sách thu hồi (CRL) nào, trong tài liệu cũng như khi tra cứu trực tuyến.",
	"revocation_data_unusable":          "Chưa kiểm tra được tình trạng thu hồi của {certificates}: tài liệu có kèm dữ liệu thu hồi nhưng không dùng được.",
	"revocation_not_checked_other":      "Chưa kiểm tra được tình trạng thu hồi của {certificates}.",
	"registry_unreachable":              "Không hỏi được sổ chứng thư của kyso về \"{certificate}\".",
	"online_ocsp_failed":                "Tra cứu OCSP trực tuyến tại {url} không thành công.",
	"online_crl_failed":                 "Tải danh sách thu hồi (CRL) tại {url} không thành công.",
	"signature_timestamp_warning":       "Dấu thời gian của chữ ký: {inner}",
	"signature_timestamp_rejected":      "Dấu thời gian của chữ ký không được chấp nhận làm bằng chứng về thời điểm ký.",
	"archive_timestamp_rejected":        "Dấu thời gian lưu trữ không được chấp nhận.",
	"timestamp_imprint_weak":            "Dấu thời gian dùng thuật toán băm {algorithm}, là thuật toán yếu.",
	"timestamp_no_signing_certificate":  "Dấu thời gian thiếu thuộc tính chứng thư của đơn vị cấp (RFC 3161, 2.4.1).",
	"tsa_revoked_after_timestamp":       "Chứng thư \"{certificate}\" của đơn vị cấp dấu thời gian bị thu hồi ngày {revocation_time}, sau khi cấp dấu thời gian.",
	"tsa_eku_not_critical":              "Mục đích sử dụng mở rộng trong chứng thư của đơn vị cấp dấu thời gian không được đánh dấu bắt buộc (RFC 3161, 2.3).",
	"keyinfo_bad_certificates":          "{count} chứng thư trong KeyInfo không đọc được.",
	"keyinfo_subject_mismatch":          "Tên chủ thể \"{subject}\" trong KeyInfo không phải của chứng thư dùng để kiểm tra chữ ký.",
	"xml_signing_time_not_covered":      "Thời điểm ký (SigningTime) không nằm trong phần được ký nên bị bỏ qua.",
	"xml_signing_time_unreadable":       "Thời điểm ký \"{time}\" không đọc được.",
	"einvoice_tax_code_mismatch":        "Mã số thuế trong chứng thư ({certificate_tax_code}) khác mã số thuế {invoice_tax_code} ghi trên hóa đơn.",
	"xades_signing_time_unreadable":     "Thời điểm ký XAdES \"{time}\" không đọc được.",
	"xades_no_signing_certificate":      "Chữ ký XAdES thiếu thuộc tính SigningCertificateV2 (ETSI EN 319 132-1, 5.2.2).",
	"xades_timestamp_unchecked":         "Không kiểm tra được dấu thời gian XAdES.",
	"xades_revocation_missing":          "Dữ liệu thu hồi XAdES không có tình trạng của chứng thư người ký: chữ ký chưa đạt mức B-LT.",
	"xades_revocation_too_early":        "Dữ liệu thu hồi XAdES cho tình trạng chứng thư người ký tại {time}, trước dấu thời gian của chữ ký: chữ ký chưa đạt mức B-LT.",
	"xades_archive_timestamp_unchecked": "Không kiểm tra được dấu thời gian lưu trữ XAdES.",
	"sha1_subfilter":                    "Dạng chữ ký adbe.pkcs7.sha1 ký giá trị băm SHA-1 của tài liệu; SHA-1 là thuật toán yếu.",
	"sha1_signature":                    "Chữ ký dùng thuật toán SHA-1, là thuật toán yếu.",
	"sha1_chain":                        "Chứng thư \"{certificate}\" được \"{issuer}\" ký bằng SHA-1, là thuật toán yếu; chuỗi chỉ được chấp nhận như chuỗi tạo ra khi SHA-1 còn được dùng (ETSI EN 319 102-1).",
	"timestamp_sha1":                    "Dấu thời gian được ký bằng SHA-1, là thuật toán yếu.",
	"xml_reference_sha1":                "Tham chiếu \"{uri}\" dùng SHA-1, là thuật toán yếu.",
	"xades_timestamp_not_base64":        "Dấu thời gian XAdES không ở dạng base64.",
}
