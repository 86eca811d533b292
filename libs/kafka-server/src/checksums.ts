import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SHA-512 of every artifact the stack downloads, pinned in the source. Maven already checks each
 * download against the .sha1 Maven Central publishes beside it (`--strict-checksums`, maven.ts);
 * these pins also catch a different-but-consistently-signed artifact (a compromised mirror or
 * cache) and make any change of the classpath a reviewed change of this file.
 *
 * Where the values come from: the Kafka and log4j/slf4j jars were checked against Maven Central's
 * published .sha512 (Kafka) or .sha1 (log4j, slf4j, which publish no .sha512) and the Apicurio
 * tarball against its .sha512; the other (transitive) jars are the SHA-512 of the copies Maven
 * resolved and verified with strict checksums. A new version: run `./vigil stack up` with
 * VIGIL_KAFKA_VERSION / VIGIL_APICURIO_VERSION (unpinned versions are checked by Maven's checksums
 * only, and say so), then pin `sha512sum .vigil/cache/kafka-<v>/lib/*.jar` here.
 */
export const KAFKA_CLASSPATH_SHA512: Record<string, Record<string, string>> = {
  '4.1.1': {
    'HdrHistogram-2.2.2.jar': 'fb28f1bc3a3d4430474ea87a0833d56dc3d1303c98918122d93c630ebdb0d1323bbf8feb9ffdc7dddd1908105858e6959bdfdd3889ca5803cecde93a974ab6b7',
    'activation-1.1.1.jar': '49119b0cc3af02700685a55c6f15e6d40643f81640e642b9ea39a59e18d542f8837d30b43b5be006ce1a98c8ec9729bb2165c0442978168f64caa2fc6e3cb93d',
    'aopalliance-repackaged-3.0.6.jar': '605075fbfa84d426ace71dc40036dd604d969a657d8990996e0910c654354a06de65b52e9b24e0f863cc9196223be5c816e4b655f13e14386396952e785962b1',
    'argparse4j-0.7.0.jar': '4148e97241c85e9b75c9d72147023d3c917dd8d21e5ab6249e520cb95d38e9e185bd5a3a8d2a180955837113218c6a7be4d5c1bbc3a11790a515f8680c5becff',
    'caffeine-3.2.0.jar': '898fe3e0c069424d2f2741e8b94c8ef1c3ec8ed6aad0b04d8ccff0167ee7ad8cd66b227606c7f408e188479e9a4dcdae0b1ce7c0207576e0a3fa74636cd3415a',
    'classgraph-4.8.179.jar': '8ae750523f086c667f1ecb22cdd02037f217b67841757c2545100ec314145268a60cc6f381bde86659fa090f1a05de8f7cf3ebaf13fb4e737fda749a1ce77078',
    'commons-beanutils-1.9.4.jar': '7762b348caecead49038a38a89754ff7d9be6199324315495ba47cf24f52c06faadf9306d925c8fe47c587589a939c82e491e1c730267fdf354243a68c0f96ff',
    'commons-collections-3.2.2.jar': '51c72f9aca7726f3c387095e66be85a6df97c74b00a25434b89188c1b8eab6e2b55accf7b9bd412430d22bd09324dec076e300b3d1fa39fccad471f0f2a3da16',
    'commons-digester-2.1.jar': 'a2c822690786b41e0a02506c7aaf7e8a4b8251ea71d6978ee03e82b11ca242e49386d6da84dbc7182d5a6fb167822aed200da2d97e2f264d63ccf8f1b9681ac8',
    'commons-lang3-3.12.0.jar': 'fbdbc0943cb3498b0148e86a39b773f97c8e6013740f72dbc727faeabea402073e2cc8c4d68198e5fc6b08a13b7700236292e99d4785f2c9989f2e5fac11fd81',
    'commons-logging-1.3.2.jar': '9c56baa1371fafccd49f035a4cdcc667f3e6040b07748e04b1b74a225cb5307478f95b2d202e3ca51d89d3757ce046554091c63a1b769ac35ca60c69d058eee2',
    'commons-validator-1.9.0.jar': '4f014fbef276ebf1632b895feb68ff128ba08aec63c4edf56f11e6d373385b70d6cebb71cc959a181725557302065d5acee2eeea8ad1ce56831aec1b3b660a85',
    'connect-api-4.1.1.jar': '885ba4eb2142f15198ee0fed415c4fdcacad8cd41d161e44046867fcb6912f44030aa6de61257c3c876da3571ead0697492f5f4da541da228fa6a6cb1c508000',
    'connect-json-4.1.1.jar': '55fc539bad878b26f9166f126c8a4a3dba4bd450d9772cad07ca0d1a388bc60783a808e09981238365d8b9c5e44ef0c03e6b019fdaf104157f816789c32c5d48',
    'connect-runtime-4.1.1.jar': 'fc7a2381aebcc744eafa17deed541c140366a4ca4e7ee0fb9e8d212562c9d4fd2970f53bf96c6d5a01b2e95fe4db6d726858cec6c042d08ffea1152eee348a87',
    'connect-transforms-4.1.1.jar': '9f63bebacaa832bce2ec8e2c6db4f96f026db67ead41b06a8415acc9025be9ab8400ea07503097b48477b1bf5d8b70ea893a58ecaa0ae6aa59d50fd844bb1733',
    'hash4j-0.22.0.jar': 'f9deacf0f72e3e9850529eb37a69c7bf08827e84a8047add5236f52ef109113b16e8d5b9799c605fdffa7178984923f97fd9004e869192adcfbd645b3cdf8375',
    'hk2-api-3.0.6.jar': '2ab96cb843cf7fedb97ca308f0877a391cd6da57885949cb5f4ffaade890e42cde5a037709da3e905735aed67b27186603faa4d9ee83ff05b199299311c080c2',
    'hk2-locator-3.0.6.jar': 'bd5393502a4ec94b0f849ae60d5d83f5e3c29fe257d08a4a34a73524fdc172bbf58714ccfaa37e6ba6eaa8b035558c4bf5d26b61f82fb6f9d741d95e62fdb8d4',
    'hk2-utils-3.0.6.jar': '2bdf1872f8401bcf39c6ea1a81475940b53aadaae171a513a2c196dafbfe1c5701e7eeb269a4dfabed5cb08f4284f48106f748946f0cab9958e8381893b65921',
    'jackson-annotations-2.19.0.jar': 'ca3b4c2e46e60aeee041e03879381819edd2d9309eda545caffeb99fff9506c83c42d6f578920661d2a2eca6a7d9aa7c13f7d850b7b697b1125b6ba37da9de97',
    'jackson-core-2.19.0.jar': '2528a8239e19956a67907a7f99db62a85c745535f67e393a7b323123c6488c9c8e7a083804aee9a4c0317d5eeba0b0990545f697b0a38bc0a60286c77caee556',
    'jackson-databind-2.19.0.jar': '0e9229bd8641ae2297700b8997ca4a26dae50d8e3dfe89c84301112304484ca6551b5d578e5a7d23945d314cb31e84383a821b974be75484efadd301c89bb738',
    'jackson-dataformat-csv-2.19.0.jar': '099720f6ad85100b859ab7bef69d081156fb7620bec7b73f51c67566cb0a5505061dbec2cbee7082ef9196b3f0658d2c8472998166cffe7b3d33690ee36b6b6b',
    'jackson-dataformat-yaml-2.19.0.jar': '7544ef5d9ccc1bc993245f9834984f36b15abba7ceaef23d893426c1945ed0862b5316cad319ecb48953125e534399bb3d5ead1fdcaa643fd949cd64e226191c',
    'jackson-datatype-jdk8-2.19.0.jar': 'f3db916bdd923307ba647b25708558b21916c324c0b02b000eb72982b7bc78f2ace61b542070f0bbba7b4451002919c0fc01c77f0f52c5d8b882b69b4eb92bd3',
    'jackson-jakarta-rs-base-2.19.0.jar': '65283b4e99605342d35c486f8f7c468e799d3dae353b32ea791df102f46d087975a924922299e124ceed90321860790e9bd45f70d22d24369740a663ea24d100',
    'jackson-jakarta-rs-json-provider-2.19.0.jar': '6f324802c07de701cc696a8add1ac02c1fbb837b434e6025e22e2d2bbfaedbf0a196f1269571e02722adc9c5ecfeef5023dc1c9e32e5f353d1785c94e322bfbf',
    'jackson-module-blackbird-2.19.0.jar': 'baeb1dcbbbdb8d8696176a99a9c786659d5078feb38ae7dd3f5a3172e9b4c93499864a465ed721ae5984464912815eedf17e2b2cb4f4501efe17471682b9e950',
    'jackson-module-jakarta-xmlbind-annotations-2.19.0.jar': '9b1d7c52c468984d5164583fcaa9d101ff10a603fbb2a15da35bf527adbe777f91099360d05d51ee359a843cb2da933fdf9a43ce4b3b5731c4918775e3b999b7',
    'jakarta.activation-2.0.1.jar': 'd1c214d2d6ecc61bba396d913c66c977418e74dfe96e5558951ccf99a60cfca6adfea3fc64b6e2d15f698e30dac870b8f6e8d7a22e0dff975f8dd83864714fc5',
    'jakarta.activation-api-2.1.0.jar': '53026e23571e77b9696cf02d1eeb20295b7199a169c12db9807f2ef2512eff859b37108b96bfdbcd2c9f4a66728d12ad8182b5548146897cdc2ad49e7b2b2ebc',
    'jakarta.annotation-api-2.1.1.jar': 'eabe8b855b735663684052ec4cc357cc737936fa57cebf144eb09f70b3b6c600db7fa6f1c93a4f36c5994b1b37dad2dfcec87a41448872e69552accfd7f52af6',
    'jakarta.inject-api-2.0.1.jar': 'f186b2ada470abba1cc3b4f8c4373d940fb7c71a051b2c26f7c204ad4dfb69235fbf3f9c33da36d744cb90f52d921c51d76c0ff263bacb35eafb66cab83dc47d',
    'jakarta.servlet-api-6.0.0.jar': 'b810ce040ed0671a3161fb197845f3ae750cd38c474ef54c351b7b127ff3b4d624a26c33450c62474f42c1cde21c65324cda63b1b3ea0515a286e0bcb0c0c9d5',
    'jakarta.validation-api-3.0.2.jar': '8ff9a450e13dad49ac8268ab8c591e045e5056f9459efa09fbb3561b5c879526b344e2648602bf65d387620064cf0c3a00e1243c6422c85a21b53dbab8749a40',
    'jakarta.ws.rs-api-3.1.0.jar': '55c245378d7529503c934d2132cfc3bcc638f6297eae6687ae419a5b57aa4646f771cf054295fb6cda1f6d89134942c2a2c39f47380be839e26b44884e4bb75c',
    'jakarta.xml.bind-api-3.0.1.jar': '7c74cedf7c0baaa5166311a4c4300a72eb09ae280ec3376553dd8651e6e3d5f100794421ba647b328195dfcf98a6cf7623169a0b87de3f13984dd7436c284807',
    'javassist-3.30.2-GA.jar': '046c5b87732ef28540c56f88891238e49ac15fcc23e1f13e0b12de816831ba3de54e68a727b6163877a7b19b13f1362c0e6affa2664af1fdac5748632ed7a09e',
    'javax.activation-api-1.2.0.jar': '8ee0db43ae402f0079a836ef2bff5d15160e3ff9d585c3283f4cf474be4edd2fcc8714d8f032efd72cae77ec5f6d304fc24fa094d9cdba5cf72966cc964af6c9',
    'jaxb-api-2.3.1.jar': '93a47b245ab830d664a48c9d14e86198a38809ce94f72ca66b3d68746ae1d7b902f6fef2d1ac1a92c01701549ae80a07db69bd822ffd831a95d8dbffad435790',
    'jersey-client-3.1.10.jar': '0c437e1afed21e9db92bd245948cac0b3468cb38ae15767e9e8e8c2f6354d75047f8d1b9038ad755b6235a1dda55907d5b4366bdabfb742ef44a4f6b3d9bdf47',
    'jersey-common-3.1.10.jar': '682d8f15266f2b4d7ada84b5906047b77203202aa5124f406b62be1e153761327a7ba236a22695739133d8e8c82e495d8a9893c2da4b8510b33e50d155d6885d',
    'jersey-container-servlet-3.1.10.jar': 'c8249de5b3417038f8904e3080db7ba83ac2986ebf818441aa658ff5afe5d71b9fdf35ae6057ffb7e13e4bf61a977e81b7f070992c1d2ed6c235be5c7e9de2bc',
    'jersey-container-servlet-core-3.1.10.jar': '52f9da485e37d452bc62e9438baa0d3cb23e58bbd636aeb19772922596f09b30e28c3e444d1eb8f7018dcd13699c570ee729aa9a7c3f8895aed7193d689f53e5',
    'jersey-hk2-3.1.10.jar': '34fc8fb80ef7b878bcea653308835022784565fbec6f4b07232230aa7b83f75257d3b6d39e400e7ef88940d57e25f0613c65bd74d838737e839e519dcc15c7cf',
    'jersey-server-3.1.10.jar': 'cfedef12c22ea42df0bbeaee40860514268919793015242848b18b31c1cd382e50366c4086188a232c0cb00f01e2adbb1d0935f6486a827c52089dee435c2427',
    'jetty-alpn-client-12.0.22.jar': 'e1162fb225244f0647a6c7458341db4905bf3b378fc0940f866c1a206b25bab27cf33d9ebead47f2cb95dc23c07eedd66d8b90abbfcabeb9ff432db537dd11b8',
    'jetty-client-12.0.22.jar': '7c65e2b6c43c36421ba5083c15858e951c9fb218df895f4e77fcfea0fe22b916fba8aae4746a289affcc38458291e8761291796ced0cdc661f27eb29568003c4',
    'jetty-ee10-servlet-12.0.22.jar': '8b777456fcd958b16a5b3500c8da202e0cb1739780c963011a1972811b41acdf4c1962f24fc5d24f84ab9e6d9c2ec64bbeb1c1b63b226e60f9b0051f676c8d91',
    'jetty-ee10-servlets-12.0.22.jar': 'fd21ca44313f950cacee82325c8e56caee4dfbc80bf89ddd1a75821f0a1480c3cfa7dd1c7f70ccd3994400e55d315d97229e85810e32ac3ceabd23a3969c5e7a',
    'jetty-http-12.0.22.jar': '8e6f59dc2aa0ceac915464242f8cd2729593f263d263b9bcbb95fd97b2da4133b0db454ff308ede5fdb50f88f5eb49c097eae854f264d59a52af231cb94a5636',
    'jetty-io-12.0.22.jar': '8fac08c14ff5db1b99670cd53aff425a560d15e3b93e88d4808061d84d8fd8e91bfbf292fdae3b297a6f9593c37e117ea1a09cf86ebca78f5b964e67dbad9df8',
    'jetty-security-12.0.22.jar': '5adf10045c2b9eede18ed374f20022217c1aab9750c1b9464d502b2019ea739dd6096fe62c66251a276738a682c6ae862d847db0db2fb55dd56429bde55dd892',
    'jetty-server-12.0.22.jar': '7c633dc623a43ec686a2e6c59d3e6176a05648ae75f36e95dea48c44cd85bf24a5f89ab3cfa488075ccb2eb22150c00e591b78f60e11fda8e6b4b3362533606f',
    'jetty-session-12.0.22.jar': 'ccd7a857cca3b146c02513468c9bd3df95931b439d56bb66f0ba1be198b04187780c9c227950d9723b3e8f66b1d713e23df0a2ee83904a85e7c9722739d844da',
    'jetty-util-12.0.22.jar': '36aecccb8605ed227bbc9f025ec39d43142c43fe268d7a83a8b44b9f63f8c0cc99a59d496da6a27a1162bacb73f01d228ff09ee3ac47f514890f7add031b6be1',
    'jopt-simple-5.0.4.jar': 'cbc27e0b6da6ae4b6245353d6626d2e3c171c3026a555fa21e8ef61b30714e286db85086d1a57c167016e8a7f07be2a243e34b3ab504b1877806f3bcec5df986',
    'jose4j-0.9.6.jar': 'ab5c99dfc0ab3061510941602844b9848de80c2c03526265f9dd12eaf2567a891c7fb5d000280b3aa6eaef399e5852011ee264339e37fa1169d49407158698e5',
    'jspecify-1.0.0.jar': 'efded31ef5b342f09422935076e599789076431e93a746685c0607e7de5592719ba6aacde0be670b3f064d1e85630d58d5bce6b34aed2a288fdb34f745efb7bc',
    'kafka-clients-4.1.1.jar': '50264f2f06c92caa150683654c317a81d7831c7ea4c66353e57b46f412afa3c6e9d12a883a91630c9f3015b1363840cf152a4fc8e7ec0ec9592033520292935f',
    'kafka-coordinator-common-4.1.1.jar': 'efde3af1679be17fd0d299016d049fa41f750636edba42922dfdf3647c51014a0df83b8782eb0cb9719cb6b77cdb50c56822d9e9f69f6f36349162ef12c1c153',
    'kafka-group-coordinator-4.1.1.jar': '0b4106944b0f75711ebf2351cb23d060c7b9589d3ee780dbfa4ed7865a3ca2af7bef1f2b5a70cf4abe59aeb287213f567adc7439efa4b021d8dae0b66c4b893c',
    'kafka-group-coordinator-api-4.1.1.jar': '4608d39472e2bf1c06209056a126b05f1cf8a6463984fb256765ef766cc21ed78cba60fa9e180796bdce32d3edf31b2eaaa91dc07641f2f3287706d78e258c6c',
    'kafka-metadata-4.1.1.jar': '6dc05de51783158f85b35f53242e7fed30b153d071ed60a0cdb1a5d746d502fc6ef2da29025b9c0b6f12044c6ecc17ff58ff3e5a5dc61ae3b2fe5c38db1564bf',
    'kafka-raft-4.1.1.jar': '245a8a304c334aeafd2567cad9db76c10b67dfaf7ebc350c02755b9a66e5c1089cf44302b54ca408c07e337496ec8dfd5ea1c39e94f684de7c1d5d4db2f405fe',
    'kafka-server-4.1.1.jar': '2bd9eb5efad71083dffb553bfba5a6d3a0fec8792b01b150226eeaf1070619f6e426551fa3f2759e761945ccb8672c32037a05873919549c1649967bc745eafd',
    'kafka-server-common-4.1.1.jar': '66978405f40aed524e421d973631be34ff8b57fb9156cb45049169abe806222f0ddf60f962251848f5f16012a5e87d7091c1d18ef6175880bd0ca267953b0e14',
    'kafka-share-coordinator-4.1.1.jar': 'ce0e15d3636b86cc9007b759a17956299d5563559cfee30d6227558fd9130e07f6847f690e0d5f654c4701b1859e61d4d7d66ce68783c5efe69138cd036a3f8c',
    'kafka-storage-4.1.1.jar': '37aec941c2c60f719893160298feb9c9d3d8207892699bf746b35ed87fba762a64d3e460319d1a51bc44b8df01f5a1b63f6fe797ab938d8413571d86bdb88cfb',
    'kafka-storage-api-4.1.1.jar': '630b1e99e554356418aeae903e694cdac39245b5288290c74f12c077db10a401c6c4a4873f3b34804863675adee203cadf48920763dc1adfab1a5ef33abaeeda',
    'kafka-tools-4.1.1.jar': '3cc55589c756797eb3f55e81a3bba4ad91f8af62a59d457b1c70f928ee5c2e618738c96133149d9c6c1ff62dee12f3fa6c94fd94f14d907d78f768cf47eea16d',
    'kafka-tools-api-4.1.1.jar': 'b9d5f942fff5a8ce0963ba3f21a2041eea995c7caf8cfd65f9562e07c34a582f192031c4ac150c7c2cc3eeeb188e4999bcf35153b49514d4a1598279f9515e46',
    'kafka-transaction-coordinator-4.1.1.jar': 'b08935df951769ef7b7a980418d6b55fd00cfa931fb31b0149fd245f7d8d0a1743ad9d8732fb2462c7125c8a83242f0a3cd35811cd33ee7fe54467ef8b10752d',
    'kafka_2.13-4.1.1.jar': '6a4aec624b9723ba1903750e9768606557914824378081bf0ff223e219d265a62ec90bd5501b7cc2df3712421d8a5612922cd742072fdc2614ba4aec86c18877',
    'log4j-api-2.24.3.jar': 'd936ac37b3d7ca2e4370ef122629c5ceb0bef60a6c08a3bd8bb278204dbed84bb888aaa307c58e80e4e9d645b73792433f52adcccd30378fbac99b1d271042f7',
    'log4j-core-2.24.3.jar': '61332e92ea6ef6656994105a675eb8de85ec859f07cde9da5ef16a22cbf2e0d7695348e04e066dd1a1ff0146ec03a8884974319d4f71155db9c9ab0d073197ef',
    'log4j-slf4j2-impl-2.24.3.jar': 'c837d1724dc85479ec0eabfd8adef32d5bc3e9ba94c058eac6904894c9d3dff4f85762287159b0ae9f1e314e64861414de36a0d6e314e2d3b7aef8bedbd37b2b',
    'lz4-java-1.8.0.jar': '98d59086a6021ca571d9c1d64b715e43044c730e1ac563f514c40cf44302615d30378b6d5cc69990446522de6260dc8e7b303e3990a3139dc326d058dfb6dbd9',
    'maven-artifact-3.9.6.jar': '7ac2f9e8a13c166b305ff2004d467a9f12ea65d08b444ccc651232384fc37592eae6c3263e5ba2d7c0ec2725ce5cfb0f40198f8a857a39c2379c72d0f4e16427',
    'metrics-core-2.2.0.jar': 'be650071978532268b3d0381cae820700fba6ac8d0c13f681a4e81ccbb6f097a258063aa5de942c6ebe8915f55c08a4c6df44f04de1cedcfccfdada6049a7f00',
    'osgi-resource-locator-1.0.3.jar': '4d84983a9b1c72f58661b576c78ca456a2106602c2ad211cd7e72d94464c8774173b34a35629c507c7c84c982f1de0c9bf48352458e8480be5f874d20d6e69a3',
    'pcollections-4.0.2.jar': 'b1c87f1569c61b079fb50bf4cb0e885aefde3138ab8f1777386aa47652bf9ed359e4437ecff3c6f09e7974c10af88b6c27baaa147b95e1fd69b3fdf3fdbd4da5',
    'plexus-utils-3.5.1.jar': 'e2d4e7bc919deb022d0fcc428da066d62c34a02d248b184ffc3edcea08ffbdc354cd018240b21a0495eafcd01723a692e583803ccb10d99fbfa97f58a49f967f',
    're2j-1.8.jar': 'f556b098dc29ed8fbfa7ecd343b457c49c4deda80dc495ed164297a415328c20d7c89b17cb240f6d2f92607828db52e4f13b66b11277e33e6ebc34a97832da86',
    'scala-library-2.13.16.jar': '31054e41700bdc3c2546083d6dbac2c4e7bb693674d7abed1ed72a0d551bae4b4238d3fa2da8472d5af3b5e7d636326d6b9dc0d8357630ffb9d7c6a434fdb894',
    'scala-logging_2.13-3.9.5.jar': 'f8ed0e9d566edfa678e9a01ce9bfa226d2059c348fbdb99696550cbb8c11a0a30b80dd17507f00552f0e24a249ec7802ba3a5c65589e2ab920d8f088a56ba4ef',
    'scala-reflect-2.13.16.jar': '72fa06e4d92fdc35cbb24cb46d3081cbfbd0ac3b73d0b8c7382fe99fb767f7ae4cc903783966e5634b3f14dda8b90cf34b9276d7c776e5580779bd822eff3143',
    'slf4j-api-2.0.17.jar': '9a3e79db6666a6096a3021bb2e1d918f30f589d8de51d6b600f8ebd92515a510ae2d8f87919cc2dfa8365d64f10194cac8dfa0fb950160eef0e9da06f6caaeb9',
    'snakeyaml-2.4.jar': '1573717e2c47868515cbed5265a6f77ebec23a0b5c6376ac18b9f5c2335beb65d4c68d2073d50143d59a60141980be8db1e493a85d7c78106cdb94a52e8361d2',
    'snappy-java-1.1.10.7.jar': '22a6ebb8e8ad4d8a149b0c67d8658ac1535d7014857064c4f7ed4999e29c6186de8a80b50dd9b59f631fa1c24970524fdbbb84083c80c59eb0c72d4efb041fef',
    'swagger-annotations-2.2.25.jar': 'd6370494222e30e5417849f105e039ac3ba9bd7195a17bbc608acd3a3d0fc70e3d74a2983aa50738cbc26d78e3f2ef005eb4a91cb22fa9bb03bb2608adb9e0e9',
    'zstd-jni-1.5.6-10.jar': 'fdc73c64ba40b3a89c14b3cd2313c19e2867b9e202ed0dadcf33de37fb904bd1b6ba73abd754794acad3a81c6e43852cdc0f850b6b090d414ba65598eda6f47e',
  },
};

/** `io.apicurio:apicurio-registry-app:<version>:all@tar.gz` (Maven Central publishes its .sha512). */
export const APICURIO_ALL_TARGZ_SHA512: Record<string, string> = {
  '3.3.3': 'dd081e0bb14bb94ac9806eb768667b10a7292a8a75a81cbbfec1c99d920bc35697fc5e567d74b7bf94a0105648b90480842822959815d2965e0dc6c9524c92d3',
};

/** A downloaded artifact that does not match its pinned checksum (or is not pinned where it must be). */
export class ChecksumMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatchError';
  }
}

/** SHA-512 of a file, hex. */
export function sha512File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha512');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Throw ChecksumMismatchError unless `path` has SHA-512 `expected`; names both values and what to do. */
export async function verifySha512(path: string, expected: string): Promise<void> {
  const actual = await sha512File(path);
  if (actual !== expected.toLowerCase()) {
    throw new ChecksumMismatchError(
      `checksum mismatch for ${path}: SHA-512 ${actual}, pinned ${expected}. The download is not the published artifact: delete it (and the .vigil/cache entry) and retry; if it persists, do not use it.`,
    );
  }
}

/**
 * Check a resolved Kafka classpath against the pins of `version`: every jar pinned and matching, none
 * missing, none extra. Returns false (nothing to check against) for an unpinned version.
 */
export async function verifyKafkaClasspath(libDir: string, version: string, pins = KAFKA_CLASSPATH_SHA512[version]): Promise<boolean> {
  if (!pins) return false;
  const jars = readdirSync(libDir).filter((f) => f.endsWith('.jar')).sort();
  const extra = jars.filter((j) => !(j in pins));
  const missing = Object.keys(pins).filter((j) => !jars.includes(j));
  if (extra.length || missing.length) {
    throw new ChecksumMismatchError(
      `the Kafka ${version} classpath in ${libDir} is not the pinned one:${extra.length ? ` not pinned: ${extra.join(', ')};` : ''}${missing.length ? ` missing: ${missing.join(', ')};` : ''} see libs/kafka-server/src/checksums.ts`,
    );
  }
  for (const j of jars) await verifySha512(join(libDir, j), pins[j]!);
  return true;
}
